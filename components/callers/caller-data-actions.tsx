// The caller page's slot for data-protection actions (export this caller's data, erase it), which the compliance
// work adds. Until then it renders nothing rather than buttons that do nothing.
export function CallerDataActions({ children }: { children?: React.ReactNode }) {
  if (!children) return null;
  return (
    <div data-testid="caller-data-actions" className="flex flex-wrap gap-2">
      {children}
    </div>
  );
}
