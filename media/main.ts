// The side panel's UI; filled by the side-panel issue. Runs in the webview (browser) context.
export {};
