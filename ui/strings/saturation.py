"""Strings of the saturation page."""

EN = {
}

ZH = {
}
