import { describe, expect, it } from 'vitest';
import { AccessRules, DEFAULT_POLICY, readGrants, writeGrants } from './access.js';
import { isDomainError } from './errors.js';
import { Permissions } from './permissions.js';

const alice = ['user:alice', 'group:devs', 'authenticated', 'anonymous'];
const anonymous = ['anonymous'];

describe('access rules', () => {
  it('let every logged-in user do anything by default, and anonymous nothing', () => {
    const rules = new AccessRules(DEFAULT_POLICY);
    expect(rules.has(alice, Permissions.Administer, [])).toBe(true);
    expect(rules.has(anonymous, Permissions.OverallRead, [])).toBe(false);
  });

  it('give anonymous the read permissions only, when anonymous read is on', () => {
    const rules = new AccessRules({ ...DEFAULT_POLICY, allowAnonymousRead: true });
    for (const permission of [Permissions.OverallRead, Permissions.ItemRead, Permissions.ItemDiscover, Permissions.ItemWorkspace, Permissions.ViewRead]) {
      expect(rules.has(anonymous, permission, [7]), permission.title).toBe(true);
    }
    for (const permission of [Permissions.ItemBuild, Permissions.ItemCancel, Permissions.ItemConfigure, Permissions.Administer]) {
      expect(rules.has(anonymous, permission, [7]), permission.title).toBe(false);
    }
  });

  it('under a matrix: implications, folder grants inherited below, anonymous grants for everyone', () => {
    const grants = [
      ...readGrants({ 'user:root': ['Overall/Administer'], anonymous: ['Overall/Read'] }, null, 'server'),
      ...readGrants({ 'group:devs': ['Job/Build', 'Job/Read'] }, 1, 'folder 1'),
      ...readGrants({ 'user:alice': ['Job/Configure'] }, 2, 'job 2'),
    ];
    const rules = new AccessRules({ ...DEFAULT_POLICY, strategy: 'matrix', grants });
    expect(rules.has(['user:root', 'authenticated', 'anonymous'], Permissions.RunDelete, [1, 2])).toBe(true);
    expect(rules.has(alice, Permissions.OverallRead, [])).toBe(true);
    expect(rules.has(alice, Permissions.ItemBuild, [1, 2])).toBe(true);
    expect(rules.has(alice, Permissions.ItemDiscover, [1, 2])).toBe(true);
    expect(rules.has(alice, Permissions.ItemConfigure, [1, 2])).toBe(true);
    expect(rules.has(alice, Permissions.ItemConfigure, [1, 3])).toBe(false);
    expect(rules.has(alice, Permissions.ItemBuild, [5])).toBe(false);
    expect(rules.has(alice, Permissions.ItemBuild, [])).toBe(false);
    expect(rules.has(anonymous, Permissions.ItemRead, [1, 2])).toBe(false);
  });

  it('read and write grants as people write them', () => {
    const grants = readGrants({ 'User:Alice': ['job/build', 'Item/Build', 'hudson.model.Item.Read'] }, null, 'here');
    expect(writeGrants(grants)).toEqual({ 'user:alice': ['Job/Build', 'Job/Read'] });
    for (const [written, itemId] of [[{ 'robot:x': ['Job/Read'] }, null], [{ anonymous: ['Generic/Read'] }, null], [{ anonymous: ['Overall/Read'] }, 4]] as const) {
      let error: unknown;
      try {
        readGrants(written, itemId, 'here');
      } catch (caught) {
        error = caught;
      }
      expect(isDomainError(error, 'grant_invalid'), JSON.stringify(written)).toBe(true);
    }
  });
});
