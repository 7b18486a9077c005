/** Environment variables whose names say they hold a credential. */
const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)/i

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name)
}

/** The environment without the variables that hold credentials. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !isSecretName(name)))
}

/** Values of the variables that hold credentials. */
export function secretEnvironmentValues(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(env).flatMap(([name, value]) => (value && isSecretName(name) ? [value] : []))
}
