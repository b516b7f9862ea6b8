// @opsagent/source-aws: see README.md. The implementation lands with its issue.
export {};
