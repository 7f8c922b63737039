"""Buyer notifications: templated mails (Jinja2 + babel), MIME building and SMTP sending.

The engines only; the outbox job, the notifications table, the API and the CLI wire them:

- ``templates``: brand folders over the shipped defaults, ``check_templates`` at start,
  ``BrandTemplates.render_mail`` and ``render_tracking_page``;
- ``context``: the Structs templates are rendered from (``MailContext``, ``TrackingPage``);
- ``i18n``: the buyer's language and locale, money and dates;
- ``message``: ``build_message`` and the stable ``message_id``;
- ``smtp``: ``parse_smtp_url`` and ``send_message`` -> accepted / permanent / retriable.
"""
