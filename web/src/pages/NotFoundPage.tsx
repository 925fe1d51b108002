import { Compass } from "lucide-react";
import { Link, useLocation } from "react-router";
import { Button } from "@/components/ui/button";

export default function NotFoundPage() {
  const location = useLocation();
  return (
    <div className="flex flex-col items-center py-16 text-center">
      <Compass className="mb-4 size-10 text-muted-foreground" aria-hidden="true" />
      <h1 className="text-xl font-semibold">Page not found</h1>
      <p className="mt-2 max-w-md text-sm text-muted-foreground">
        Nothing lives at <code className="rounded bg-muted px-1 py-0.5 font-mono text-xs">{location.pathname}</code>.
        The link may be old, or the page is not part of this version of Cronium.
      </p>
      <div className="mt-6 flex gap-2">
        <Button asChild variant="primary">
          <Link to="/">Go to the dashboard</Link>
        </Button>
        <Button asChild>
          <Link to="/events">Events</Link>
        </Button>
      </div>
    </div>
  );
}
