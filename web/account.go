package web

func (s *Server) routesAccount() {}
