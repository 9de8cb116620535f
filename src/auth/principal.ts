/** Who a request acts as. Anonymous requests carry no credentials. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly id: string; readonly fullName: string; readonly authenticatedBy: 'password' };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

export function principalName(principal: Principal): string {
  return principal.kind === 'user' ? principal.id : 'anonymous';
}

/** The authorities (groups) of a principal, as Jenkins reports them. */
export function authorities(principal: Principal): string[] {
  return principal.kind === 'user' ? ['authenticated'] : ['anonymous'];
}
