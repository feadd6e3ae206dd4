/** The table behind each resource of the API (`/api/v1/<resource>/:id`) that has write routes. */
export const TABLE_OF_RESOURCE: Readonly<Record<string, string>> = {
  members: 'memberships',
  invitations: 'invitations',
  'api-keys': 'api_keys',
  'content-types': 'content_types',
  'content-items': 'content_items',
  sites: 'sites',
  mappings: 'site_item_mappings',
  'sync-jobs': 'sync_jobs',
  'alert-channels': 'alert_channels',
};
