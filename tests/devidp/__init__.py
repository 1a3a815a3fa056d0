"""Tests of the development identity provider."""
