export function Logo({ withName = true }: { withName?: boolean }) {
  return (
    <span className="flex items-center gap-2">
      <svg viewBox="0 0 32 32" className="size-6 shrink-0" aria-hidden="true">
        <rect width="32" height="32" rx="7" className="fill-primary" />
        <circle cx="16" cy="16" r="9" fill="none" className="stroke-primary-foreground" strokeWidth="2.5" />
        <path d="M16 10.5V16l3.8 2.4" fill="none" className="stroke-primary-foreground" strokeWidth="2.5"
          strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      {withName ? <span className="text-[15px] font-semibold tracking-tight">Cronium</span> : null}
    </span>
  );
}
