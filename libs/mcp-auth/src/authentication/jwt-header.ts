/** The `alg` of a compact JWS, or undefined when the header cannot be read. Never throws. */
export function jwtHeaderAlgorithm(token: string): string | undefined {
  const end = token.indexOf('.');
  if (end <= 0 || end > 4096) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, end), 'base64url').toString('utf8'));
    const alg = (header as { alg?: unknown } | null)?.alg;
    return typeof alg === 'string' ? alg : undefined;
  } catch {
    return undefined;
  }
}
