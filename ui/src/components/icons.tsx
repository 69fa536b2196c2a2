/*
 * Inline SVG icons: they need neither an emoji font (absent on many devices) nor another request.
 * Each is decorative (aria-hidden); the text beside it carries the meaning.
 */
const common = {
  width: "1em",
  height: "1em",
  viewBox: "0 0 24 24",
  fill: "none",
  stroke: "currentColor",
  "stroke-linecap": "round",
  "stroke-linejoin": "round",
} as const;

export function GraphIcon() {
  return (
    <svg aria-hidden="true" {...common} stroke-width="2.4" class="icon">
      <path d="M3 3v18h18" />
      <path d="M6 16l4-6 4 3 6-8" />
    </svg>
  );
}

export function ClockIcon() {
  return (
    <svg aria-hidden="true" {...common} stroke-width="3" class="icon">
      <circle cx="12" cy="12" r="9.5" />
      <path d="M12 6.5V12l4 2.5" />
    </svg>
  );
}

export function PlaneIcon() {
  return (
    <svg aria-hidden="true" {...common} stroke-width="2" class="icon" fill="currentColor">
      <path d="M21 15.5v-2l-8-5V3.5a1.5 1.5 0 0 0-3 0v5l-8 5v2l8-2.5v5.5l-2 1.5V22l3.5-1 3.5 1v-1.5l-2-1.5V13z" />
    </svg>
  );
}

export function StopIcon() {
  return (
    <svg aria-hidden="true" {...common} class="icon" fill="currentColor" stroke-width="0">
      <rect x="5" y="5" width="14" height="14" rx="1.5" />
    </svg>
  );
}

export function GlobeIcon() {
  return (
    <svg aria-hidden="true" {...common} stroke-width="2" class="icon">
      <circle cx="12" cy="12" r="9.5" />
      <path d="M2.5 12h19M12 2.5c2.6 2.8 3.9 6 3.9 9.5s-1.3 6.7-3.9 9.5c-2.6-2.8-3.9-6-3.9-9.5s1.3-6.7 3.9-9.5z" />
    </svg>
  );
}
