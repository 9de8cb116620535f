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
}

function permission(id: string, title: string, impliedBy: Permission | null): Permission {
  return { id, title, impliedBy };
}

const administer = permission('hudson.model.Hudson.Administer', 'Overall/Administer', null);
const genericRead = permission('hudson.security.Permission.GenericRead', 'Generic/Read', administer);
const genericWrite = permission('hudson.security.Permission.GenericWrite', 'Generic/Write', administer);
const genericCreate = permission('hudson.security.Permission.GenericCreate', 'Generic/Create', genericWrite);
const genericUpdate = permission('hudson.security.Permission.GenericUpdate', 'Generic/Update', genericWrite);
const genericDelete = permission('hudson.security.Permission.GenericDelete', 'Generic/Delete', genericWrite);
const genericConfigure = permission('hudson.security.Permission.GenericConfigure', 'Generic/Configure', genericUpdate);
const itemRead = permission('hudson.model.Item.Read', 'Job/Read', genericRead);

export const Permissions = {
  Administer: administer,
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
} as const;

/** The chain of broader permissions that grant this one, nearest first. */
export function impliedByChain(target: Permission): Permission[] {
  const chain: Permission[] = [];
  for (let next = target.impliedBy; next; next = next.impliedBy) chain.push(next);
  return chain;
}
