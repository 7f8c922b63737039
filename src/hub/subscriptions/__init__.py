"""Subscriptions: signed outbound webhooks (Standard Webhooks) for the merchant's systems.

``delivery`` delivers one event to one URL safely; the subscriptions table, the outbox job,
the API and the replay commands are wired around it.
"""
