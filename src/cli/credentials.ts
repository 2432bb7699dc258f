/**
 * The credential CLI commands and the stdio bridge present to a gateway that
 * authenticates: ONLY1MCP_TOKEN (a JWT or an API key, sent as
 * `Authorization: Bearer`). Taken from the environment, never from the
 * command line, which other users of the machine can read in `ps`. A desktop
 * client sets it in the bridge entry's `env`.
 */
export const TOKEN_ENV = 'ONLY1MCP_TOKEN';

export function credentialHeaders(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const token = env[TOKEN_ENV];
  return token === undefined || token === '' ? {} : { authorization: `Bearer ${token}` };
}
