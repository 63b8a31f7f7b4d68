"""The start page: what the platform is, who is on it. It sits on the top floor, beside admin and api, so
that it may show figures from any area."""
