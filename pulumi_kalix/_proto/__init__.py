"""Federation-plane protos: generated message modules and the hand-written method table
(``rpc``). Imports nothing but protobuf and grpc."""
