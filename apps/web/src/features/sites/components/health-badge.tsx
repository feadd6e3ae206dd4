import type { SiteHealth } from '@datasync/contracts';
import { CheckCircle, Prohibit, WarningCircle, type Icon } from '../../../components/icons';
import { Badge } from '../../../components/ui';
import { HEALTH } from '../health';

const ICONS: Record<SiteHealth, Icon> = { healthy: CheckCircle, failing: WarningCircle, disabled: Prohibit };

/** A site's health: icon, word and colour, so that none of them is needed alone. */
export function HealthBadge({ health }: { health: SiteHealth }) {
  const { label, tone } = HEALTH[health];
  const HealthIcon = ICONS[health];
  return (
    <span data-testid="site-health" data-health={health}>
      <Badge tone={tone}>
        <HealthIcon aria-hidden weight="bold" /> {label}
      </Badge>
    </span>
  );
}
