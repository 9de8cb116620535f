/**
 * Permissions, with Jenkins' ids and implications so that refusals can name them the way Jenkins
 * clients and documentation expect. Holding a permission grants every permission it implies:
 * `impliedBy` points from a permission to the broader one that grants it.
 */
export interface Permission {
  readonly id: string;
  /** "Group/Name", as people read it: Overall/Read, Job/Build. */
  readonly title: string;
  readonly impliedBy: Permission | null;
  /** False for the Generic* permissions, which exist only to carry implications. */
  readonly grantable: boolean;
}

function permission(id: string, title: string, impliedBy: Permission | null, grantable = true): Permission {
  return { id, title, impliedBy, grantable };
}

const administer = permission('hudson.model.Hudson.Administer', 'Overall/Administer', null);
const genericRead = permission('hudson.security.Permission.GenericRead', 'Generic/Read', administer, false);
const genericWrite = permission('hudson.security.Permission.GenericWrite', 'Generic/Write', administer, false);
const genericCreate = permission('hudson.security.Permission.GenericCreate', 'Generic/Create', genericWrite, false);
const genericUpdate = permission('hudson.security.Permission.GenericUpdate', 'Generic/Update', genericWrite, false);
const genericDelete = permission('hudson.security.Permission.GenericDelete', 'Generic/Delete', genericWrite, false);
const genericConfigure = permission('hudson.security.Permission.GenericConfigure', 'Generic/Configure', genericUpdate, false);
const itemRead = permission('hudson.model.Item.Read', 'Job/Read', genericRead);
const computerDisconnect = permission('hudson.model.Computer.Disconnect', 'Agent/Disconnect', administer);
const computerConfigure = permission('hudson.model.Computer.Configure', 'Agent/Configure', genericConfigure);
const credentialsUpdate = permission('com.cloudbees.plugins.credentials.CredentialsProvider.Update', 'Credentials/Update', genericUpdate);

export const Permissions = {
  Administer: administer,
  Manage: permission('hudson.model.Hudson.Manage', 'Overall/Manage', administer),
  OverallRead: permission('hudson.model.Hudson.Read', 'Overall/Read', genericRead),
  ItemCreate: permission('hudson.model.Item.Create', 'Job/Create', genericCreate),
  ItemDelete: permission('hudson.model.Item.Delete', 'Job/Delete', genericDelete),
  ItemConfigure: permission('hudson.model.Item.Configure', 'Job/Configure', genericConfigure),
  ItemRead: itemRead,
  ItemDiscover: permission('hudson.model.Item.Discover', 'Job/Discover', itemRead),
  ItemBuild: permission('hudson.model.Item.Build', 'Job/Build', genericUpdate),
  ItemCancel: permission('hudson.model.Item.Cancel', 'Job/Cancel', genericUpdate),
  ItemWorkspace: permission('hudson.model.Item.Workspace', 'Job/Workspace', genericRead),
  RunDelete: permission('hudson.model.Run.Delete', 'Run/Delete', genericDelete),
  RunUpdate: permission('hudson.model.Run.Update', 'Run/Update', genericUpdate),
  ViewCreate: permission('hudson.model.View.Create', 'View/Create', genericCreate),
  ViewDelete: permission('hudson.model.View.Delete', 'View/Delete', genericDelete),
  ViewConfigure: permission('hudson.model.View.Configure', 'View/Configure', genericConfigure),
  ViewRead: permission('hudson.model.View.Read', 'View/Read', genericRead),
  // Jenkins' Computer permissions (its screens call the group "Agent"), with its implications.
  ComputerCreate: permission('hudson.model.Computer.Create', 'Agent/Create', genericCreate),
  ComputerDelete: permission('hudson.model.Computer.Delete', 'Agent/Delete', genericDelete),
  ComputerConfigure: computerConfigure,
  ComputerExtendedRead: permission('hudson.model.Computer.ExtendedRead', 'Agent/ExtendedRead', computerConfigure),
  ComputerConnect: permission('hudson.model.Computer.Connect', 'Agent/Connect', computerDisconnect),
  ComputerDisconnect: computerDisconnect,
  ComputerBuild: permission('hudson.model.Computer.Build', 'Agent/Build', genericWrite),
  // The credentials plugin's permissions, with its ids and implications (View comes with Update).
  // Granted on a folder, they hold for that folder's store; server-wide, for the system store too.
  CredentialsCreate: permission('com.cloudbees.plugins.credentials.CredentialsProvider.Create', 'Credentials/Create', genericCreate),
  CredentialsUpdate: credentialsUpdate,
  CredentialsView: permission('com.cloudbees.plugins.credentials.CredentialsProvider.View', 'Credentials/View', credentialsUpdate),
  CredentialsDelete: permission('com.cloudbees.plugins.credentials.CredentialsProvider.Delete', 'Credentials/Delete', genericDelete),
  CredentialsManageDomains: permission('com.cloudbees.plugins.credentials.CredentialsProvider.ManageDomains', 'Credentials/ManageDomains', genericConfigure),
  // Naming a credential in a job's configuration (a binding, a checkout): needed on the job's folder
  // (or server-wide) by whoever configures it. Not implied by Job/Configure: a person who may change
  // a job's steps may not by that alone make its builds print a secret.
  CredentialsUseItem: permission('com.cloudbees.plugins.credentials.CredentialsProvider.UseItem', 'Credentials/UseItem', genericConfigure),
} as const;

/** The permissions that can be granted, in the order people read them in a matrix. */
export const GRANTABLE_PERMISSIONS: readonly Permission[] = Object.values(Permissions);

const GENERIC = [genericRead, genericWrite, genericCreate, genericUpdate, genericDelete, genericConfigure];
const BY_NAME = new Map<string, Permission>(
  [...GRANTABLE_PERMISSIONS, ...GENERIC].flatMap((one) => [
    [one.id.toLowerCase(), one],
    [one.title.toLowerCase(), one],
  ]),
);
// People write "Item/Build" as often as "Job/Build" (Jenkins' ids say Item, its screens say Job).
for (const one of GRANTABLE_PERMISSIONS) if (one.title.startsWith('Job/')) BY_NAME.set(`item/${one.title.slice(4).toLowerCase()}`, one);
// And "Computer/Connect" for "Agent/Connect" (Jenkins' ids say Computer, its screens say Agent).
for (const one of GRANTABLE_PERMISSIONS) if (one.title.startsWith('Agent/')) BY_NAME.set(`computer/${one.title.slice(6).toLowerCase()}`, one);

/** Finds a permission by its title ("Job/Build", "Item/Build") or its Jenkins id, ignoring case. */
export function findPermission(name: string): Permission | null {
  return BY_NAME.get(name.trim().toLowerCase()) ?? null;
}

/** The chain of broader permissions that grant this one, nearest first. */
export function impliedByChain(target: Permission): Permission[] {
  const chain: Permission[] = [];
  for (let next = target.impliedBy; next; next = next.impliedBy) chain.push(next);
  return chain;
}

/** True when holding `held` grants `wanted`: they are the same, or `held` is in `wanted`'s chain. */
export function implies(held: Permission, wanted: Permission): boolean {
  for (let next: Permission | null = wanted; next; next = next.impliedBy) if (next.id === held.id) return true;
  return false;
}

/** Permissions that only make sense server-wide; granting them on a folder or job has no effect. */
export function isServerWide(permission: Permission): boolean {
  return permission.id.startsWith('hudson.model.Hudson.') || permission.id.startsWith('hudson.model.Computer.');
}
