"""Routing: which location(s) ship an accepted order, as the rules file says.

rules_source   the rules file (``HUB_ROUTING``), read with the one YAML reader and
               read again when it changes; the rules themselves are pure
               (``hub.domain.routing``)
route          in the acceptance transaction (or the ``order.route`` job): the order's
               reservation moves to the chosen locations, one fulfilment per location
               is written and the order walks accepted -> allocated -> released;
               no route: on hold, waiting for stock
waits          a stock change of a waiting order's SKU routes it again
simulate       a rules file tried on past orders, writing nothing
jobs           the ``order.route`` job, and what bootstrap hands to acceptance and
               stock
"""
