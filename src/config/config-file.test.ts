import { describe, expect, it } from 'vitest';
import { jobSettings } from './apply.js';
import { ConfigFileError, parseConfigFile } from './config-file.js';

const parse = (text: string, env: NodeJS.ProcessEnv = {}) => parseConfigFile(text, 'steward.yaml', env);
const failure = (text: string, env: NodeJS.ProcessEnv = {}) => {
  try {
    parse(text, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigFileError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
};

describe('the configuration file', () => {
  it('reads settings, users, folders and jobs with defaults filled in', () => {
    const config = parse(
      `settings:
  executors: 3
  quietPeriod: 5s
  buildRetention: { builds: 20 }
  url: https://ci.example.com
users:
  - id: alice
    password: \${ALICE_PASSWORD}
folders:
  - name: team
    jobs:
      - name: deploy
        parameters:
          - { name: ENV, type: choice, choices: [dev, prod] }
          - { name: SECRET, type: password, default: "\${DEPLOY_SECRET}" }
        steps:
          - ./deploy.sh "$ENV"
          - sh: ./verify.sh
            unstableReturn: 3
        timeout: 10min
jobs:
  - name: hello
`,
      { ALICE_PASSWORD: 'alice-pw', DEPLOY_SECRET: 's3' },
    );
    expect(config.settings).toEqual({ executors: 3, quietPeriod: '5s', buildRetention: { builds: 20 }, url: 'https://ci.example.com' });
    expect(config.users).toEqual([{ id: 'alice', password: 'alice-pw' }]);
    const deploy = config.folders[0]?.jobs[0];
    expect(deploy?.steps).toEqual([
      { sh: './deploy.sh "$ENV"', unstableReturn: undefined },
      { sh: './verify.sh', unstableReturn: 3 },
    ]);
    expect(deploy?.parameters[1]).toMatchObject({ type: 'password', default: 's3' });
    expect(config.jobs[0]).toMatchObject({ name: 'hello', disabled: false, concurrent: false, steps: [], parameters: [] });
  });

  it('leaves ${…} in shell steps for the shell', () => {
    const config = parse('jobs:\n  - name: j\n    steps: ["echo ${BUILD_NUMBER}"]\n');
    expect(config.jobs[0]?.steps[0]?.sh).toBe('echo ${BUILD_NUMBER}');
  });

  it('names the line of a YAML syntax error', () => {
    expect(failure('jobs:\n  - name: a\n   steps: [\n')).toMatch(/^steward\.yaml:3:\d+: /);
  });

  it('names the line and path of an unknown key, so typos do not pass silently', () => {
    expect(failure('jobs:\n  - name: a\n    steps: []\n  - name: b\n    concurent: true\n')).toBe('steward.yaml:4: jobs[1]: Unrecognized key: "concurent"');
  });

  it('names the line of a wrong type', () => {
    expect(failure('settings:\n  executors: many\n')).toMatch(/^steward\.yaml:2: settings\.executors: /);
  });

  it('names the line of a malformed duration', () => {
    expect(failure('jobs:\n  - name: a\n    timeout: forever\n')).toBe('steward.yaml:3: "forever" is not a duration; write a number of seconds or 500ms, 10sec, 10s, 2min, 1h or 1d.');
  });

  it('names the variable a secret refers to when it is not set', () => {
    expect(failure('users:\n  - id: bob\n    password: ${BOB_PASSWORD}\n')).toBe(
      'steward.yaml:3: the password of user bob refers to ${BOB_PASSWORD}, but the environment variable BOB_PASSWORD is not set.',
    );
  });

  it('refuses duplicate keys', () => {
    expect(failure('settings:\n  executors: 1\n  executors: 2\n')).toMatch(/^steward\.yaml:3:\d+: /);
  });

  it('accepts an empty file', () => {
    expect(parse('')).toMatchObject({ users: [], jobs: [], folders: [] });
  });

  it('reads the security section, user groups and item grants', () => {
    const config = parse(`security:
  authorization: matrix
  allowAnonymousRead: false
  crumbs: true
  grants:
    user:admin: [Overall/Administer]
    authenticated: [Overall/Read]
  sessionTimeout: 8h
  failedAuthentications: { attempts: 5, window: 30s }
  auditRetention: 30d
users:
  - id: alice
    password: alice-password
    groups: [devs]
folders:
  - name: team
    grants:
      group:devs: [Job/Read, Job/Build]
    jobs:
      - name: app
        grants: { "user:bob": [Job/Cancel] }
`);
    expect(config.security).toMatchObject({ authorization: 'matrix', grants: { 'user:admin': ['Overall/Administer'] }, failedAuthentications: { attempts: 5, window: '30s' } });
    expect(config.users[0]?.groups).toEqual(['devs']);
    expect(config.folders[0]?.grants).toEqual({ 'group:devs': ['Job/Read', 'Job/Build'] });
    expect(config.folders[0]?.jobs[0]?.grants).toEqual({ 'user:bob': ['Job/Cancel'] });
  });

  it('names the line of a grant to an unknown principal or permission, or of a server-wide one on an item', () => {
    expect(failure('security:\n  grants:\n    users:bob: [Job/Read]\n')).toBe('steward.yaml:3: grants: "users:bob" is not a principal. Write anonymous, authenticated, user:ID or group:NAME.');
    expect(failure('jobs:\n  - name: a\n    grants:\n      anonymous: [Job/Fly]\n')).toMatch(/^steward\.yaml:4: grants: "Job\/Fly" is not a permission\. Use one of: Overall\/Administer, /);
    expect(failure('folders:\n  - name: f\n    grants: { authenticated: [Overall/Read] }\n')).toMatch(/^steward\.yaml:3: grants: Overall\/Read holds for the whole server/);
  });

  it('names the line of a malformed security duration', () => {
    expect(failure('security:\n  sessionTimeout: soon\n')).toMatch(/^steward\.yaml:2: "soon" is not a duration/);
  });

  it('reads a job\'s label expression, and names the line of a malformed one', () => {
    expect(parse('jobs:\n  - name: a\n    label: "linux && !arm"\n').jobs[0]?.label).toBe('linux && !arm');
    expect(parse('jobs:\n  - name: a\n').jobs[0]?.label).toBeUndefined();
    expect(failure('folders:\n  - name: f\n    jobs:\n      - name: a\n        label: "linux && (docker"\n')).toMatch(
      /^steward\.yaml:5: Label expression "linux && \(docker": it ends too early at column 17 \(expected .*'\)'.*\)\. Join labels with &&/,
    );
  });

  it("reads a job's git: section as its git source, and names the line of an unknown key in it", () => {
    const config = parse('jobs:\n  - name: app\n    git:\n      url: https://git.example.com/app.git\n      branch: "*/main"\n      credentials: git-http\n      depth: 1\n      directory: src\n      clean: true\n');
    const settings = jobSettings(config.jobs[0]!, null, {} as never);
    expect(settings.scm).toEqual({
      remotes: [{ url: 'https://git.example.com/app.git', name: 'origin', refspec: null, credentialsId: 'git-http' }],
      branches: ['*/main'],
      extensions: expect.objectContaining({ cleanBeforeCheckout: true, clone: { shallow: true, depth: 1, noTags: false, timeoutMinutes: null }, relativeTargetDir: 'src' }),
    });
    expect(jobSettings(parse('jobs:\n  - name: plain\n').jobs[0]!, null, {} as never).scm).toBeNull();
    expect(failure('jobs:\n  - name: app\n    git:\n      url: x\n      branches: main\n')).toMatch(/steward.yaml:4: jobs\[0\]\.git: Unrecognized key.*branches/);
  });

  it("reads a job's artifacts: section as its archive settings, with Jenkins' defaults for the rest", () => {
    const settings = (text: string) => jobSettings(parse(text).jobs[0]!, null, {} as never).archive;
    expect(settings('jobs:\n  - name: app\n    artifacts:\n      include: dist/**, *.log\n      exclude: ["**/*.map"]\n      onlyIfSuccessful: true\n')).toEqual({
      include: ['dist/**', '*.log'], exclude: ['**/*.map'], allowEmpty: false, onlyIfSuccessful: true, defaultExcludes: true, caseSensitive: true, followSymlinks: true, fingerprint: false,
    });
    expect(settings('jobs:\n  - name: app\n')).toBeNull();
    expect(failure('jobs:\n  - name: app\n    artifacts:\n      includes: dist/**\n')).toMatch(/^steward.yaml:4: jobs\[0\]\.artifacts/);
  });
});
