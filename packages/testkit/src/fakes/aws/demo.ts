import type { FakeAwsWorld } from './world.js';

/**
 * A demo AWS account for `opsagent-fakes aws` and tests: in eu-west-1, one healthy and one
 * impaired instance, an Amplify app whose latest build failed, and an error burst in `/ecs/api`.
 */
export function seedDemoAwsWorld(world: FakeAwsWorld, now = Date.now()): void {
  world.regions = ['eu-west-1'];
  world.instances.push(
    { id: 'i-0aaa1111', region: 'eu-west-1', state: 'running', tags: { Name: 'web-1' } },
    {
      id: 'i-0bad2222',
      region: 'eu-west-1',
      state: 'running',
      systemStatus: 'impaired',
      tags: { Name: 'api-1' },
    },
  );
  world.apps.push({
    appId: 'd1shop',
    name: 'shop',
    region: 'eu-west-1',
    repository: 'https://github.com/example/shop',
    branches: [
      {
        branchName: 'main',
        jobs: [
          {
            jobId: '41',
            status: 'SUCCEED',
            jobType: 'WEB_HOOK',
            commitId: 'a1b2c3d4e5f6',
            startTime: new Date(now - 7_200_000),
            endTime: new Date(now - 7_000_000),
          },
          {
            jobId: '42',
            status: 'FAILED',
            jobType: 'WEB_HOOK',
            commitId: 'f00dfeed1234',
            commitMessage: 'Upgrade the bundler',
            startTime: new Date(now - 600_000),
            endTime: new Date(now - 500_000),
          },
        ],
      },
    ],
  });
  world.logGroups['/ecs/api'] = [
    ...Array.from({ length: 30 }, (_, n) => ({
      timestamp: now - 300_000 + n * 1000,
      message: `ERROR Connection refused to db-${n % 2}.internal:5432 after ${n}ms`,
    })),
    ...Array.from({ length: 4 }, (_, n) => ({
      timestamp: now - 200_000 + n * 1000,
      message: `ERROR Payment ${1000 + n} declined: card expired`,
    })),
  ];
}
