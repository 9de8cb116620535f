import { authorities, type Principal } from '../../../auth/principal.js';
import type { User } from '../../../core/user.js';
import { CRUMB_FIELD } from '../../crumb.js';
import { type Bean, bean } from '../export/bean.js';

export function whoAmIBean(principal: Principal): Bean {
  return bean('hudson.security.WhoAmI', [
    ['anonymous', 1, () => principal.kind === 'anonymous'],
    // Jenkins reports anonymous as "authenticated" too (Spring's anonymous token); clients expect it.
    ['authenticated', 1, () => true],
    ['authorities', 1, () => authorities(principal)],
    ['name', 1, () => (principal.kind === 'user' ? principal.id : 'anonymous')],
  ]);
}

export function userBean(rootUrl: string, user: User): Bean {
  return bean('hudson.model.User', [
    ['absoluteUrl', 1, () => `${rootUrl}user/${encodeURIComponent(user.id.toLowerCase())}`],
    ['description', 1, () => null],
    ['fullName', 1, () => user.fullName],
    ['id', 1, () => user.id],
    ['property', 1, () => []],
  ]);
}

export function crumbIssuerBean(crumb: string): Bean {
  return bean('hudson.security.csrf.DefaultCrumbIssuer', [
    ['crumb', 1, () => crumb],
    ['crumbRequestField', 1, () => CRUMB_FIELD],
  ]);
}

export function pluginManagerBean(): Bean {
  return bean('hudson.LocalPluginManager', [['plugins', 1, () => []]]);
}
