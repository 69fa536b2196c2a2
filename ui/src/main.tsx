import { render } from "preact";
import { App } from "./app.js";
import { registerServiceWorker } from "./service-worker.js";
import "./styles.css";

// A rejected promise nobody awaited must not go unnoticed, but it must not break the page either.
window.addEventListener("unhandledrejection", (e) => {
  console.warn("OWTS UI: unhandled rejection", e.reason);
  e.preventDefault();
});

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App />, root);
}

registerServiceWorker();
