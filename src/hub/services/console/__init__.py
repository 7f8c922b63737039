"""What the operator console shows that no other use case reads: the day's figures and the
work queue (``today``), each connection's signs of life (``health``), and the secret its
cookies are signed with (``secret``)."""
