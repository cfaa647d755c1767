"""The machinery behind ``evaluate``: devices, data caching and subsets, augmentation, the loop."""
