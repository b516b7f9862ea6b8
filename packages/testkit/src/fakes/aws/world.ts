/** One EC2 instance in the fake world. */
export interface FakeInstance {
  /** `i-...`. */
  id: string;
  /** Region it lives in. */
  region: string;
  /** Instance state name. */
  state: 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';
  /** e.g. `t3.micro`. */
  type?: string;
  /** Tags, key to value. */
  tags?: Record<string, string>;
  /** System status check: `ok`, `impaired`, `insufficient-data`, `not-applicable`, `initializing`. */
  systemStatus?: string;
  /** Instance status check, same values. */
  instanceStatus?: string;
  /** Scheduled events, e.g. `{ code: 'system-reboot', notBefore: Date }`. */
  events?: Array<{ code: string; description?: string; notBefore?: Date }>;
  /** Console output (plain text; base64-encoded on the wire). */
  consoleOutput?: string;
  privateIp?: string;
  launchTime?: Date;
}

/** One CloudWatch Logs event. */
export interface FakeLogEvent {
  /** Epoch ms. */
  timestamp: number;
  message: string;
  /** Defaults to `stream-1`. */
  stream?: string;
}

/** One Amplify job. */
export interface FakeAmplifyJob {
  jobId: string;
  status:
    | 'CREATED'
    | 'PENDING'
    | 'PROVISIONING'
    | 'RUNNING'
    | 'FAILED'
    | 'SUCCEED'
    | 'CANCELLING'
    | 'CANCELLED';
  jobType: 'RELEASE' | 'RETRY' | 'MANUAL' | 'WEB_HOOK';
  commitId?: string;
  commitMessage?: string;
  startTime: Date;
  endTime?: Date;
}

export interface FakeAmplifyBranch {
  branchName: string;
  stage?: string;
  /** Oldest first; the fake lists them newest first, as Amplify does. */
  jobs: FakeAmplifyJob[];
}

export interface FakeAmplifyApp {
  appId: string;
  name: string;
  region?: string;
  /** Empty for a manual-deploy app. */
  repository?: string;
  branches: FakeAmplifyBranch[];
}

/** An e-mail received by the fake SES v2 endpoint. */
export interface FakeEmail {
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
  messageId: string;
}

/** The state the fake AWS endpoints serve; tests mutate it freely between calls. */
export interface FakeAwsWorld {
  /** Regions DescribeRegions returns; defaults to the regions instances are in, else us-east-1. */
  regions?: string[];
  instances: FakeInstance[];
  /** Log groups by name (all regions share them unless the name says otherwise). */
  logGroups: Record<string, FakeLogEvent[]>;
  apps: FakeAmplifyApp[];
  emails: FakeEmail[];
  /** Called when the fake starts a job (StartJob / StartDeployment); may change the job later. */
  onJobStarted?: (app: FakeAmplifyApp, branch: FakeAmplifyBranch, job: FakeAmplifyJob) => void;
  /** Called on RebootInstances / StartInstances (not on DryRun). */
  onInstanceAction?: (action: 'reboot' | 'start', instance: FakeInstance) => void;
}

/** An empty world to fill in. */
export function emptyAwsWorld(): FakeAwsWorld {
  return { instances: [], logGroups: {}, apps: [], emails: [] };
}
