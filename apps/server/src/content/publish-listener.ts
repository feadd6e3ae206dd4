import type { Principal } from '../access/principal.js';
import type { Tx } from '../db/types.js';

/**
 * Who content tells when what the sites receive may have changed. Content declares it and the wiring passes the
 * sync engine's implementation, so content never depends on how or when sites are updated.
 */
export interface PublishListener {
  /**
   * An item was published, changed while published, unpublished, archived or deleted while published (see
   * `concernsSites`). Called inside the change's transaction, before a delete (while the item's mappings still
   * name its sites), so whatever it records commits or rolls back with the change.
   */
  publishedItemChanged(tx: Tx, principal: Principal, itemId: string): Promise<void>;
}
