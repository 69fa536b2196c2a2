import { Component, type ComponentChildren } from "preact";

interface State {
  error: Error | null;
}

/** A bug in one page shows a message and a way out instead of a blank screen. */
export class ErrorBoundary extends Component<{ children: ComponentChildren }, State> {
  override state: State = { error: null };

  override componentDidCatch(error: unknown): void {
    this.setState({ error: error instanceof Error ? error : new Error(String(error)) });
  }

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div class="notice notice-warn" role="alert" data-failure="crash">
        <strong>This page hit a problem.</strong> <span>{this.state.error.message}</span>{" "}
        <button type="button" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}
