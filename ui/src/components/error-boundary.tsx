import { Component, type ComponentChildren } from "preact";
import { t } from "../i18n/translate.js";

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
        <strong>{t("crash.title")}</strong> <span>{this.state.error.message}</span>{" "}
        <button type="button" onClick={() => location.reload()}>
          {t("crash.reload")}
        </button>
      </div>
    );
  }
}
