"""The reports API: HTTP only; the rules live in its services and selectors."""
