"""The Spirit forum (django-spirit 0.14.3, Django 5.2) set up as the peer of bench/vs_spirit.py."""
