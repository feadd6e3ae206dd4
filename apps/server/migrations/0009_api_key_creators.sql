-- An API key acts for the member who created it (created_by): never above that member's current role in its
-- organization, and revoked when they leave it. A key may have no creator on record: one made through another key
-- recorded none, and a deleted account's keys lost theirs. Such a key is given, in this order, the creator of the
-- key that made it (the audit log names that key), else the organization's earliest owner: the owner answers for
-- the organization's keys in any case, and an owner's cap leaves the key's role as it was, so no integration stops
-- by surprise. A key whose creator is not a member of its organization any more is revoked, as leaving revokes it
-- from now on. A key that loses its creator later (the account is deleted) authenticates no more.
UPDATE api_keys AS k SET created_by = parent.created_by
  FROM audit_log AS a
  JOIN api_keys AS parent ON parent.id = a.actor_api_key_id
 WHERE k.created_by IS NULL
   AND a.organization_id = k.organization_id
   AND a.action = 'api_key.create'
   AND a.entity_type = 'api_key'
   AND a.entity_id = k.id
   AND parent.created_by IS NOT NULL;
--> statement-breakpoint
UPDATE api_keys AS k SET created_by = (
  SELECT m.user_id FROM memberships AS m
   WHERE m.organization_id = k.organization_id AND m.role = 'owner'
   ORDER BY m.created_at, m.id
   LIMIT 1)
 WHERE k.created_by IS NULL;
--> statement-breakpoint
UPDATE api_keys AS k SET revoked_at = now()
 WHERE k.revoked_at IS NULL
   AND NOT EXISTS (
     SELECT 1 FROM memberships AS m WHERE m.organization_id = k.organization_id AND m.user_id = k.created_by);
--> statement-breakpoint
-- The keys list names each key's creator, also after they left: the app role may read the users who created a key
-- of the current organization, besides its members and itself.
ALTER POLICY visible_users ON users
  USING (
    id = nullif(current_setting('app.user_id', true), '')::uuid
    OR EXISTS (SELECT 1 FROM memberships m WHERE m.user_id = users.id)
    OR EXISTS (SELECT 1 FROM api_keys k WHERE k.created_by = users.id));
