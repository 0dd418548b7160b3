"""spinops: run Spinnaker on Kubernetes from a Git repository, without Halyard."""

__version__ = "0.1.0"
