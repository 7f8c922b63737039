"""The operator console: server-rendered pages at ``/console`` (Jinja2 templates, one CSS
file and a vendored htmx), signed in with an API key whose scopes apply to every page and
action. Thin like ``hub.api``: each page calls the services and renders what they return."""
