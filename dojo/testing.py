"""What a kata's tests import: the proxy the `kata` fixture gives, the failure to raise in the learner's
words, and the helpers that describe calls and values. A kind's own helpers come from its folder
(`dojo.kinds.<kind>`)."""

from dojo.trusted.failures import KataFailure, LearnerRaised, call_text, describe, short_repr
from dojo.trusted.proxy import KataProxy, RemoteFunction, RemoteObject, expect, same

__all__ = ["KataFailure", "KataProxy", "LearnerRaised", "RemoteFunction", "RemoteObject", "call_text", "describe",
           "expect", "same", "short_repr"]
