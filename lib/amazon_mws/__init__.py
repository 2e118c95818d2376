"""amazon-mws-component: an integration component for Amazon's seller APIs."""

__version__ = "0.1.0"
