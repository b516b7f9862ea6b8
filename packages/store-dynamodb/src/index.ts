// @opsagent/store-dynamodb: see README.md. The implementation lands with its issue.
export {};
