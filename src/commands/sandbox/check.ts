import { Args, Flags } from '@oclif/core'
import { AgentorCommand } from '../../cli/base-command.js'

export default class SandboxCheck extends AgentorCommand {
  static override summary = 'Verify the manifest\'s Docker sandbox and print its effective isolation.'
  static override description = `Starts a container exactly as \`shell\`/\`docker_shell\` would (pulling the image if it is missing and a registry is reachable), runs the isolation canary in it (network, read-only root, workspace mount, memory and process limits, user), prints each check with what it observed, and removes the container. Containers left by agentor processes that are gone are removed first. Exit status: 0 when every check passes, 1 when one fails or the engine or image is unavailable, 2 on a usage error.`
  static override examples = [
    '<%= config.bin %> sandbox check agents/sandboxed-coder.yaml',
    '<%= config.bin %> sandbox check agent.yaml --json',
  ]
  static override args = { manifest: Args.string({ description: 'the agent manifest with `sandbox.docker`', required: true }) }
  static override flags = { json: Flags.boolean({ description: 'print the checks and the effective isolation as JSON' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SandboxCheck)
    const [{ loadManifest }, { workspaceOf }, { DockerSandbox }, { describeChecks }, { engineAddress }, { AgentorError }, { dirname, resolve }] = await Promise.all([
      import('../../engine/manifest/load.js'), import('../../engine/compile.js'), import('../../engine/sandbox/docker-sandbox.js'),
      import('../../engine/sandbox/canary.js'), import('../../engine/sandbox/engine.js'), import('../../engine/errors.js'), import('node:path'),
    ])
    const { manifest } = await loadManifest(args.manifest)
    const config = manifest.sandbox.docker
    if (!config) throw new AgentorError('E_SANDBOX_NOT_CONFIGURED', `${args.manifest} has no \`sandbox.docker\`, so its commands would run on the host`, 'add `sandbox: { docker: { image: … } }` to the manifest')
    const workspace = workspaceOf(dirname(resolve(args.manifest)), manifest.workspace)
    const sandbox = new DockerSandbox({ config, workspace, sessionId: 'sandbox-check', report: (event) => process.stderr.write(`agentor: ${event.summary}\n`) })
    const { report } = await sandbox.verify()
    const effective = {
      engine: engineAddress(), image: config.image, user: config.user, network: config.network ? 'on' : 'off',
      rootFilesystem: config.readOnlyRoot ? 'read-only (writable tmpfs at /tmp)' : 'writable', memoryMb: config.memoryMb, cpus: config.cpus,
      pidsLimit: config.pidsLimit, workspace: config.workspaceMount === 'none' ? 'not mounted' : `${workspace} mounted ${config.workspaceMount} at ${config.workingDir}`,
      lifetime: config.lifetime === 'run' ? 'one container per run' : 'a fresh container per command', timeoutSeconds: config.timeoutSeconds,
    }
    if (flags.json) process.stdout.write(`${JSON.stringify({ manifest: args.manifest, passed: report.passed, effective, checks: report.checks }, null, 2)}\n`)
    else {
      const failed = report.checks.filter((check) => !check.passed).length
      process.stdout.write([
        ...Object.entries(effective).map(([name, value]) => `${name.padEnd(16)}${value}`),
        '',
        ...describeChecks(report),
        '',
        failed === 0 ? `isolation verified: all ${report.checks.length} checks passed` : `isolation NOT verified: ${failed} of ${report.checks.length} checks failed; shell and docker_shell would refuse every command`,
      ].join('\n') + '\n')
    }
    if (!report.passed) this.exit(1)
  }
}
