/** The host variables a function may see: those on the allow-list, minus the block-list, which always wins. */
export function filterHostEnv(
  hostEnv: NodeJS.ProcessEnv,
  policy: { allow: string[]; block: string[] },
): Record<string, string> {
  const blocked = new Set(policy.block);
  const visible: Record<string, string> = {};
  for (const name of policy.allow) {
    const value = hostEnv[name];
    if (value !== undefined && !blocked.has(name)) visible[name] = value;
  }
  return visible;
}
