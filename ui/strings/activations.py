"""Strings of the activations page."""

EN = {
}

ZH = {
}
