"""The pages: shared plumbing (clock, locale, sign-in, redirects, filters, headers, errors,
permissions, form helpers) and the page blueprints (customer, orders, auth, notifications,
desk under /desk, admin under /admin)."""
