// The fake Slack Web API for bench/slack-ingress, in its own process so its work is not billed to
// the measured server's event loop. Prints its URL; answers `count` over IPC with the number of
// chat.update calls (each answered event ends with one).
import { startFakeSlackServer } from '@opsagent/testkit';

const slack = await startFakeSlackServer({ botToken: 'xoxb-bench' });
process.on('message', async (message) => {
  if (message === 'count') {
    process.send({
      updates: slack.callsTo('chat.update').length,
      authTests: slack.callsTo('auth.test').length,
    });
  }
  if (message === 'reset') slack.calls.length = 0;
  if (message === 'close') {
    await slack.close();
    process.exit(0);
  }
});
process.send({ url: slack.url });
