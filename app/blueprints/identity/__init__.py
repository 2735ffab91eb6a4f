"""Identity verification by face check (人脸识别身份认证)."""
