// The Lambda entry point named in template.yaml (Handler: index.handler).
export { handler } from 'opsagent/lambda';
