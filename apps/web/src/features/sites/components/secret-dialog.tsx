import { CopyButton } from '../../../components/copy-button';
import { Dialog } from '../../../components/dialog';
import { Button } from '../../../components/ui';

/** A signing secret, shown this once: DataSync keeps it encrypted and never shows it again. */
export function SecretDialog({
  siteName,
  secret,
  onClose,
}: {
  siteName: string;
  secret: string;
  onClose: () => void;
}) {
  return (
    <Dialog title={`Signing secret of ${siteName}`} onClose={onClose}>
      <p className="text-sm text-slate-700">
        Copy it now and give it to the site&apos;s receiver: it is shown <strong>only this once</strong>.
      </p>
      <div className="mt-3 flex items-center gap-2">
        <code
          data-testid="signing-secret"
          className="flex-1 rounded bg-slate-100 p-2 font-mono text-xs break-all"
        >
          {secret}
        </code>
        <CopyButton text={secret} label="Copy secret" />
      </div>
      <div className="mt-4 flex justify-end">
        <Button variant="primary" onClick={onClose}>
          I have stored it
        </Button>
      </div>
    </Dialog>
  );
}
