import type { ReactNode } from 'react';
import { CopyButton } from './copy-button';
import { Dialog } from './dialog';
import { Button } from './ui';

/** A signing secret, shown this once: DataSync keeps it encrypted and never shows it again. */
export function SecretDialog({
  title,
  secret,
  children,
  onClose,
}: {
  title: string;
  secret: string;
  /** Who needs the secret, said before it. */
  children: ReactNode;
  onClose: () => void;
}) {
  return (
    <Dialog title={title} onClose={onClose}>
      <p className="text-sm text-slate-700">
        {children} It is shown <strong>only this once</strong>.
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
