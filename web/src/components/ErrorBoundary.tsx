import { Copy, RotateCcw, TriangleAlert } from "lucide-react";
import { Component, type ErrorInfo, type ReactNode } from "react";
import { Button } from "@/components/ui/button";

interface Props {
  children: ReactNode;
  /** A change (e.g. the path) clears the error. */
  resetKey?: string;
}

interface State {
  error: Error | null;
  componentStack: string;
}

/** Catches render errors of a page so the shell stays usable. */
export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null, componentStack: "" };

  static getDerivedStateFromError(error: Error): Partial<State> {
    return { error };
  }

  componentDidCatch(error: Error, info: ErrorInfo) {
    this.setState({ componentStack: info.componentStack ?? "" });
    console.warn("page crashed:", error);
  }

  componentDidUpdate(prev: Props) {
    if (prev.resetKey !== this.props.resetKey && this.state.error) {
      this.setState({ error: null, componentStack: "" });
    }
  }

  private details(): string {
    const { error, componentStack } = this.state;
    return [
      `${error?.name}: ${error?.message}`,
      `at ${window.location.href}`,
      `user agent: ${navigator.userAgent}`,
      "",
      error?.stack ?? "",
      componentStack,
    ].join("\n");
  }

  render() {
    if (!this.state.error) return this.props.children;
    return (
      <div role="alert" className="mx-auto max-w-2xl rounded-lg border border-border bg-card p-6">
        <div className="flex items-start gap-3">
          <TriangleAlert className="mt-0.5 size-5 shrink-0 text-warning" aria-hidden="true" />
          <div className="min-w-0 flex-1">
            <h1 className="text-base font-semibold">This page failed to show</h1>
            <p className="mt-1 text-sm text-muted-foreground">
              Something in the interface broke. Reloading usually helps; if it happens again, copy
              the details into a bug report.
            </p>
            <pre className="mt-3 max-h-40 overflow-auto rounded-md bg-muted p-3 font-mono text-xs">
              {this.state.error.message}
            </pre>
            <div className="mt-4 flex gap-2">
              <Button variant="primary" onClick={() => window.location.reload()}>
                <RotateCcw aria-hidden="true" /> Reload
              </Button>
              <Button onClick={() => void navigator.clipboard?.writeText(this.details())}>
                <Copy aria-hidden="true" /> Copy details
              </Button>
            </div>
          </div>
        </div>
      </div>
    );
  }
}
