// @opsagent/channel-signal: see README.md. The implementation lands with its issue.
export {};
