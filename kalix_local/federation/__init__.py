"""The federation plane (``kalix.auth.v1alpha.Auth``, ``kalix.projects.v1alpha.Projects``)
served over real gRPC, in the same process and on the same store as the control plane."""
