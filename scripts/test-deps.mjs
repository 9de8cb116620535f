// The first step of `npm test`: makes sure the programs the suite runs for real are on this machine.
// Each is a Debian package; when some are missing they are installed with apt-get if we are root (or
// may use sudo without a password), otherwise the exact command is printed and the run stops, so a
// missing program is a clear message here instead of a confusing failure deep in a test.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/** What the suite runs, the Debian package that provides it, and how to tell it is there. */
const NEEDS = [
  { package: 'curl', why: 'runs the DESIGN recipes and the README', present: () => has('curl') },
  { package: 'bash', why: 'loads the CLI completion script', present: () => has('bash') },
  { package: 'zsh', why: 'loads the CLI completion script', present: () => has('zsh') },
  { package: 'git', why: 'clones repositories in builds', present: () => has('git') },
  { package: 'openssh-server', why: 'serves git over SSH to the checkout tests', present: () => existsSync('/usr/sbin/sshd') },
  { package: 'chromium', why: 'runs the web interface tests (driven by playwright-core)', present: () => has('chromium') },
  // Debian's own python3, not one a version manager put first on PATH: the package installs there.
  // Debian's PostgreSQL server programs, for the throwaway cluster the store tests run against.
  { package: 'postgresql', why: 'runs the PostgreSQL store tests against a real server', present: () => hasPostgres() },
  { package: 'python3-jenkins', why: 'drives Steward with the python-jenkins client', present: () => runs('/usr/bin/python3', ['-c', 'import jenkins']) },
  { package: 'jenkins-job-builder', why: 'creates jobs from Jenkins Job Builder YAML', present: () => runs('/usr/bin/jenkins-jobs', ['--version']) },
];

function has(command) {
  return runs('sh', ['-c', `command -v ${command}`]);
}

function hasPostgres() {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return false;
  return readdirSync(root).some((version) => existsSync(`${root}/${version}/bin/initdb`) && existsSync(`${root}/${version}/bin/postgres`));
}

function runs(command, args) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

const missing = NEEDS.filter((need) => !need.present());
if (missing.length > 0) {
  const packages = missing.map((need) => need.package);
  for (const need of missing) console.error(`test-deps: ${need.package} is missing (${need.why})`);
  const root = process.getuid?.() === 0;
  if (!root && !runs('sudo', ['-n', 'true'])) {
    console.error(`test-deps: install them, then run npm test again:\n  sudo apt-get update && sudo apt-get install -y ${packages.join(' ')}`);
    process.exit(1);
  }
  const apt = (args) => {
    const [command, ...rest] = [...(root ? [] : ['sudo', '-n']), 'apt-get', ...args];
    execFileSync(command, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  console.error(`test-deps: installing ${packages.join(' ')} with apt-get`);
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', ...packages]);
  const still = NEEDS.filter((need) => !need.present());
  if (still.length > 0) {
    console.error(`test-deps: still missing after apt-get: ${still.map((need) => need.package).join(' ')}`);
    process.exit(1);
  }
}
