"""Single sign-on per firm: a firm connects its OpenID Connect identity provider (Microsoft
Entra ID, Google Workspace or any OIDC provider) and its staff sign in with it (allauth's
``openid_connect`` provider, one SocialApp per firm)."""
