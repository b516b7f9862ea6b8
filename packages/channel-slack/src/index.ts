// @opsagent/channel-slack: see README.md. The implementation lands with its issue.
export {};
